from django.core.management.base import BaseCommand

from stegvis.access.categories import ROLE_CEILING, Category
from stegvis.access.rules import RECORDS, RULES, SCOPES


class Command(BaseCommand):
    help = (
        "The access policy as tables. `access rules`: what each role may ever reach (the "
        "ceiling a care relationship or a consent opens), then every declared rule, with "
        "the app that declares it and how a refusal answers, then each kind of record the door "
        "resolves by id and what it is read as, then each app's scope."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rules"])

    def handle(self, *args, action, **options):
        write = self.stdout.write
        write("Ceilings: the most each role may reach of a patient\n")
        for role, categories in ROLE_CEILING.items():
            reached = ", ".join(c.value for c in Category if c in categories) or "-"
            write(f"  {role:<28} {reached}")
        write("\nRules: what the categories do not say about one object or action\n")
        width = max(len(name) for name in RULES)
        for name in sorted(RULES):
            rule = RULES[name]
            answer = "403" if rule.forbidden else "404"
            roles = f" [{', '.join(sorted(rule.roles))}]" if rule.roles else ""
            write(f"  {name:<{width}}  {answer}  {rule.reason:<26} {rule.says}{roles}")
        write("\nRecords: what the door resolves by id, read as which category, with which rules\n")
        width = max(len(name) for name in RECORDS)
        for name in sorted(RECORDS):
            record = RECORDS[name]
            read_as = "/".join(record.categories) or "a unit's"
            checks = (
                f" [{', '.join(check.name for check in record.checks)}]" if record.checks else ""
            )
            write(f"  {name:<{width}}  {read_as:<19} {record.says}{checks}")
        write("\nScopes: what a person reaches that is no one patient's data\n")
        width = max(len(name) for name in SCOPES)
        for name in sorted(SCOPES):
            write(f"  {name:<{width}}  {SCOPES[name].says}")
