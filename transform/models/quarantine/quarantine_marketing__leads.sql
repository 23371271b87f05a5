{{ config(enabled=marketing_enabled()) }}
{{ quarantine_table(ref('base_marketing__leads'), 'lead_id', 'marketing_leads') }}
