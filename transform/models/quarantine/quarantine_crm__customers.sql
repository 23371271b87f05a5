with

rejected as (
    {{ quarantine_rejected(ref('base_crm__customers'), 'customer_id') }}
),

final as (
    {{ quarantine_rows('crm_customers', 'rejected') }}
)

select * from final
