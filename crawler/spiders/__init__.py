"""Spiders, one per kind of source; a spider's file name is its `name`."""
