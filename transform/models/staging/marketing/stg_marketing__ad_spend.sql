{#- The latest valid version of each key of base_marketing__ad_spend (_marketing__models.yml). -#}
{{ staging_model(ref('base_marketing__ad_spend'), [
    'campaign_id', 'spend_date', 'channel', 'impressions', 'clicks', 'spend_gbp',
    'currency_code', 'updated_at',
]) }}
