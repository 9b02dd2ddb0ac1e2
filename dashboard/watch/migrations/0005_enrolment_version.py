from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("watch", "0004_mirror_last_success_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="version",
            field=models.PositiveBigIntegerField(default=0),
        ),
    ]
