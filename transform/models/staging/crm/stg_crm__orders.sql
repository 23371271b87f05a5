{#-
    The latest valid version of each key, soft-deleted when the CRM deleted it: base_crm__orders
    parses and checks every raw row; rows that fail validation are in the quarantine schema
    instead (docs/quality.md).
-#}
with

latest_valid as (
    {{ latest_valid(ref('base_crm__orders'), [
        'order_id', 'customer_id', 'order_status', 'currency_code', 'ordered_at',
        'created_at', 'updated_at',
    ]) }}
)

{{ with_deletes('latest_valid', source('crm', 'crm_orders_deletes'), 'order_id') }}
