{{ quarantine_table(ref('base_crm__customers'), 'customer_id', 'crm_customers') }}
