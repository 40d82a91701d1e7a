from django.db import migrations, models

# What each topic gathers: the published documents on it or on a narrower topic, each once (the SQL of
# catalogue.tallies as it stands when this migration was written).
GATHERED = """
UPDATE catalogue_topic SET gathered_count = counts.n FROM (
    WITH RECURSIVE beneath(topic_id, narrower_id) AS (
        SELECT id, id FROM catalogue_topic
        UNION SELECT beneath.topic_id, t.id FROM catalogue_topic AS t JOIN beneath ON t.parent_id = beneath.narrower_id
    )
    SELECT beneath.topic_id AS entity_id, count(DISTINCT l.document_id) AS n FROM beneath
    JOIN catalogue_document_topics AS l ON l.topic_id = beneath.narrower_id
    JOIN catalogue_document AS d ON d.id = l.document_id
    WHERE d.status = 'published' GROUP BY beneath.topic_id
) AS counts WHERE catalogue_topic.id = counts.entity_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0020_roles_for_texts_and_files"),
    ]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="gathered_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(GATHERED, migrations.RunSQL.noop),
    ]
