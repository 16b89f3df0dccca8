"""A signed certificate never changes: the database itself refuses to alter or delete it,
or its diagnoses and periods. A correction is a new version (a new row)."""

from django.db import migrations

MESSAGE = "a signed certificate never changes; write a new version"
CHILDREN = ("cases_certificatediagnosis", "cases_certificateperiod")


def _sqlite_create():
    statements = [
        f"""CREATE TRIGGER cases_certificate_signed_no_{op.lower()} BEFORE {op} ON cases_certificate
            WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
        for op in ("UPDATE", "DELETE")
    ]
    for table in CHILDREN:
        for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            statements.append(
                f"""CREATE TRIGGER {table}_signed_no_{op.lower()} BEFORE {op} ON {table}
                    WHEN (SELECT status FROM cases_certificate
                          WHERE id = {row}.certificate_id) = 'signed'
                    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
            )
    return statements


def _sqlite_drop():
    names = [f"cases_certificate_signed_no_{op}" for op in ("update", "delete")]
    names += [f"{t}_signed_no_{op}" for t in CHILDREN for op in ("insert", "update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION cases_certificate_keep_signed() RETURNS trigger AS $$
        BEGIN
          IF OLD.status = 'signed' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER cases_certificate_keep_signed BEFORE UPDATE OR DELETE ON cases_certificate
       FOR EACH ROW EXECUTE FUNCTION cases_certificate_keep_signed()""",
    f"""CREATE OR REPLACE FUNCTION cases_certificate_part_keep_signed() RETURNS trigger AS $$
        DECLARE parent uuid;
        BEGIN
          IF TG_OP = 'INSERT' THEN parent := NEW.certificate_id;
          ELSE parent := OLD.certificate_id; END IF;
          IF (SELECT status FROM cases_certificate WHERE id = parent) = 'signed' THEN
            RAISE EXCEPTION '{MESSAGE}';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
    *[
        f"""CREATE TRIGGER {table}_keep_signed BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION cases_certificate_part_keep_signed()"""
        for table in CHILDREN
    ],
]
POSTGRES_DROP = [
    *[f"DROP TRIGGER IF EXISTS {table}_keep_signed ON {table}" for table in CHILDREN],
    "DROP TRIGGER IF EXISTS cases_certificate_keep_signed ON cases_certificate",
    "DROP FUNCTION IF EXISTS cases_certificate_part_keep_signed()",
    "DROP FUNCTION IF EXISTS cases_certificate_keep_signed()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_certificates_and_timeline")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": _sqlite_create(), "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": _sqlite_drop(), "postgresql": POSTGRES_DROP}),
        ),
    ]
