-- The way back from 0130.catalog_stats.

drop function vq.catalog_stats();
