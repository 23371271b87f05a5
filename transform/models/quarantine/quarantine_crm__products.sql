with

rejected as (
    {{ quarantine_rejected(ref('base_crm__products'), 'product_id') }}
),

final as (
    {{ quarantine_rows('crm_products', 'rejected') }}
)

select * from final
