-- Drops the catalog of this database. The roles stay: they are cluster-wide and
-- other databases of the cluster may use them (a later apply reuses them).
drop schema vq cascade;
