"""Reviews of providers by the people they care for, moderated by the council, and the listing's score."""
