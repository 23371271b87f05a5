{#-
    The latest valid version of each key, soft-deleted when the CRM deleted it:
    base_crm__order_items parses and checks every raw row; rows that fail validation are in the
    quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (
    {{ latest_valid(ref('base_crm__order_items'), [
        'order_item_id', 'order_id', 'product_id', 'quantity', 'unit_price_gbp',
        'created_at', 'updated_at',
    ]) }}
)

{{ with_deletes('latest_valid', source('crm', 'crm_order_items_deletes'), 'order_item_id') }}
