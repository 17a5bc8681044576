"""The data layer: models, migrations, scoped queries and writes, demo data. Never imports graph/."""
