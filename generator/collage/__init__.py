"""Ernst collages: figures cut out of archive images (the ``cutter`` kind of the registry) recombined by a
seeded composer into compositions the curator keeps or discards (see :mod:`.series`)."""
