{#-
    The latest valid version of each key, soft-deleted when the CRM deleted it:
    base_crm__products parses and checks every raw row; rows that fail validation are in the
    quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (
    {{ latest_valid(ref('base_crm__products'), [
        'product_id', 'product_name', 'brand', 'category', 'list_price_gbp',
        'created_at', 'updated_at',
    ]) }}
)

{{ with_deletes('latest_valid', source('crm', 'crm_products_deletes'), 'product_id') }}
