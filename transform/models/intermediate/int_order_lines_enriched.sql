with

order_items as (
    {{ import_columns(ref('stg_crm__order_items'), [
        'order_item_id', 'order_id', 'product_id', 'quantity', 'unit_price_gbp',
        'updated_at',
    ], where='not is_deleted') }}
),

orders as (
    {{ import_columns(ref('stg_crm__orders'), [
        'order_id', 'customer_id', 'order_status', 'ordered_at', 'updated_at',
    ], where='not is_deleted') }}
),

final as (

    select
        order_items.order_item_id,
        order_items.order_id,
        orders.customer_id,
        order_items.product_id,
        orders.ordered_at,
        {{ utc_date('orders.ordered_at') }} as ordered_date,
        orders.order_status,
        {{ is_revenue_order('orders.order_status') }} as is_revenue_order,
        order_items.quantity,
        order_items.unit_price_gbp,
        {{ to_money('order_items.quantity * order_items.unit_price_gbp') }} as line_amount_gbp,
        order_items.updated_at as line_updated_at,
        orders.updated_at as order_updated_at,
        greatest(
            order_items.updated_at,
            coalesce(orders.updated_at, order_items.updated_at)
        ) as source_updated_at

    from order_items
    inner join orders
        on order_items.order_id = orders.order_id

)

select * from final
