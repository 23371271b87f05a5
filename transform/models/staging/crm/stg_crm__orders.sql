{#- Latest valid version per key, soft-deleted when the CRM deleted it (_crm__models.yml). -#}
{{ staging_model(ref('base_crm__orders'), [
    'order_id', 'customer_id', 'order_status', 'currency_code', 'ordered_at',
    'created_at', 'updated_at',
], deletes=source('crm', 'crm_orders_deletes'), key='order_id') }}
