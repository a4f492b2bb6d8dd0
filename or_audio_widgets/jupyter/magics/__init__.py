"""The ``%%oraudio`` cell magic and its line magics: parsing a cell, running it, and the tables they show."""
