{#- Latest valid version per key, soft-deleted when the CRM deleted it (_crm__models.yml). -#}
{{ staging_model(ref('base_crm__order_items'), [
    'order_item_id', 'order_id', 'product_id', 'quantity', 'unit_price_gbp',
    'created_at', 'updated_at',
], deletes=source('crm', 'crm_order_items_deletes'), key='order_item_id') }}
