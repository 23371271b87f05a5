{#- The latest valid version of each key of base_marketing__campaigns (_marketing__models.yml). -#}
{{ staging_model(ref('base_marketing__campaigns'), [
    'campaign_id', 'campaign_name', 'channel', 'objective', 'campaign_status',
    'start_date', 'end_date', 'daily_budget_gbp', 'currency_code', 'created_at',
    'updated_at',
]) }}
