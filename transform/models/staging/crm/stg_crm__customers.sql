{#- Latest valid version per key, soft-deleted when the CRM deleted it (_crm__models.yml). -#}
{{ staging_model(ref('base_crm__customers'), [
    'customer_id', 'full_name', 'email', 'age', 'gender', 'location',
    'income_bracket', 'signup_date', 'created_at', 'updated_at',
], deletes=source('crm', 'crm_customers_deletes'), key='customer_id') }}
