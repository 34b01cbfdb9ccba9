// Progressive enhancement only: every page works without this file.
import { initAll } from "/web-assets/govuk-frontend.min.js";
initAll();
