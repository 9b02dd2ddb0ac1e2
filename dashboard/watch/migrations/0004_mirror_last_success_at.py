from django.db import migrations, models
from django.utils.dateparse import parse_datetime


def from_last_results(apps, schema_editor):
    """A mirror whose last result is a success synced then."""
    Mirror = apps.get_model("watch", "Mirror")
    for mirror in Mirror.objects.filter(last_result__key="success").only("last_result"):
        when = parse_datetime(str((mirror.last_result or {}).get("when") or ""))
        if when is not None:
            Mirror.objects.filter(pk=mirror.pk).update(last_success_at=when)


class Migration(migrations.Migration):
    dependencies = [
        ("watch", "0003_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="mirror",
            name="last_success_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(from_last_results, migrations.RunPython.noop),
    ]
