{#-
    The latest valid version of each key, soft-deleted when the CRM deleted it:
    base_crm__customers parses and checks every raw row; rows that fail validation are in the
    quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (
    {{ latest_valid(ref('base_crm__customers'), [
        'customer_id', 'full_name', 'email', 'age', 'gender', 'location',
        'income_bracket', 'signup_date', 'created_at', 'updated_at',
    ]) }}
)

{{ with_deletes('latest_valid', source('crm', 'crm_customers_deletes'), 'customer_id') }}
