{#- Latest valid version per key, soft-deleted when the CRM deleted it (_crm__models.yml). -#}
{{ staging_model(ref('base_crm__products'), [
    'product_id', 'product_name', 'brand', 'category', 'list_price_gbp',
    'created_at', 'updated_at',
], deletes=source('crm', 'crm_products_deletes'), key='product_id') }}
