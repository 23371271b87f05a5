{{ config(enabled=marketing_enabled()) }}
{{ quarantine_table(ref('base_marketing__campaigns'), 'campaign_id', 'marketing_campaigns') }}
