{#- The latest valid version of each key of base_marketing__leads (_marketing__models.yml). -#}
{{ staging_model(ref('base_marketing__leads'), [
    'lead_id', 'campaign_id', 'channel', 'email', 'customer_id', 'lead_status',
    'created_at', 'converted_at', 'updated_at',
]) }}
