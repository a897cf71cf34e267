"""Metacult: a live social platform for people who love games, films and series."""
