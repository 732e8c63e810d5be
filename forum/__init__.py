"""forum: the backend of a community questions site."""
