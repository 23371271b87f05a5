with

rejected as (
    {{ quarantine_rejected(ref('base_crm__orders'), 'order_id') }}
),

final as (
    {{ quarantine_rows('crm_orders', 'rejected') }}
)

select * from final
