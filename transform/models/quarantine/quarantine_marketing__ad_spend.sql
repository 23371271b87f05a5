{{ config(enabled=marketing_enabled()) }}
{{ quarantine_table(
    ref('base_marketing__ad_spend'),
    dbt.concat(['campaign_id', "'|'", 'spend_date']),
    'marketing_ad_spend'
) }}
