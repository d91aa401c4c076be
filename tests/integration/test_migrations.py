from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from wms.db import Base
from wms.migrate import current_revision, head_revision, heads


def test_migrations_have_a_single_head():
    assert len(heads()) == 1


def test_the_schema_built_by_migrations_matches_the_models(connection):
    assert current_revision(connection) == head_revision()
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    assert compare_metadata(context, Base.metadata) == []
