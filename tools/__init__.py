"""Developer tools of vqdb: the catalog snapshot, the build from plpgsql/, the migration writer."""
