"""Finding providers: `searchProviders` over the search index, checked against the database."""
