{{ quarantine_table(ref('base_crm__products'), 'product_id', 'crm_products') }}
