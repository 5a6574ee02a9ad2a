"""Operating the installation: health checks, structured logs, metrics, the platform operator's
page (tenants, backlogs, periodic runs, failed tasks), backups and moving a tenant between
installations. A foundation: it names no app; apps plug in through its registries."""
