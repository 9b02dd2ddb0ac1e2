"""A rule's shown channel with its user part masked too (``channels.without_user``): rules
saved before showed it (``json://user:****@host/…``)."""

from django.db import migrations

from dashboard.watch.alerts.channels import without_user


def mask_users(apps, schema_editor) -> None:
    AlertRule = apps.get_model("watch", "AlertRule")
    for rule in AlertRule.objects.filter(shown__contains="@"):
        AlertRule.objects.filter(pk=rule.pk).update(shown=without_user(rule.shown))


class Migration(migrations.Migration):
    dependencies = [
        ("watch", "0006_enrolment_version"),
    ]

    operations = [
        migrations.RunPython(mask_users, migrations.RunPython.noop),
    ]
