from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("watch", "0005_syncend_counts_from"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="version",
            field=models.PositiveBigIntegerField(default=0),
        ),
    ]
