from django.db import migrations, models


class Migration(migrations.Migration):
    """`anonymous` (named unless the author opted out) becomes `name_shown_to_staff` (unnamed
    unless the author opts in). No author of an existing proposal or comment ever chose to
    be named, so every existing row starts unnamed: the new field's default."""

    dependencies = [
        ("participation", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(model_name="proposal", name="anonymous"),
        migrations.RemoveField(model_name="proposalcomment", name="anonymous"),
        migrations.AddField(
            model_name="proposal",
            name="name_shown_to_staff",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="proposalcomment",
            name="name_shown_to_staff",
            field=models.BooleanField(default=False),
        ),
    ]
