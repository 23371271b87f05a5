{{ quarantine_table(ref('base_crm__orders'), 'order_id', 'crm_orders') }}
