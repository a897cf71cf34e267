"""Infrastructure shared by every context: database, Redis, errors, logging, events."""
