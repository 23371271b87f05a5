with

products as (
    {{ import_columns(ref('dim_products'), [
        'product_key', 'product_id', 'product_name', 'brand', 'category', 'category_label',
    ], where='product_key <> -1') }}
),

order_items as (
    {{ import_columns(ref('fct_order_items'), [
        'order_id', 'customer_key', 'product_key', 'quantity', 'line_revenue_gbp',
    ], where='is_revenue_order') }}
),

sales_per_product as (

    select
        product_key,
        sum(line_revenue_gbp) as revenue_gbp,
        sum(quantity) as units,
        count(distinct order_id) as orders,
        count(distinct customer_key) as customers

    from order_items
    group by product_key

),

product_sales as (
    {{ zero_filled(
        'products',
        ['product_key', 'product_id', 'product_name', 'brand', 'category', 'category_label'],
        [['sales_per_product', ['revenue_gbp', 'units', 'orders', 'customers']]],
        key='product_key',
    ) }}
),

ranked as (

    select
        *,
        rank() over (order by revenue_gbp desc) as revenue_rank,
        sum(revenue_gbp) over () as total_revenue_gbp,
        sum(revenue_gbp) over (
            order by revenue_gbp desc, product_id
            rows between unbounded preceding and current row
        ) as cumulative_revenue_gbp

    from product_sales

),

final as (

    select
        product_key,
        product_id,
        product_name,
        brand,
        category,
        category_label,
        {{ to_money('revenue_gbp') }} as revenue_gbp,
        cast(units as {{ dbt.type_bigint() }}) as units,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        {{ to_money(safe_divide('revenue_gbp', 'units')) }} as avg_selling_price_gbp,
        cast(revenue_rank as {{ dbt.type_bigint() }}) as revenue_rank,
        {{ to_measure('100.0 * ' ~ safe_divide('revenue_gbp', 'total_revenue_gbp')) }}
            as revenue_share_pct,
        {{ to_measure('100.0 * ' ~ safe_divide('cumulative_revenue_gbp', 'total_revenue_gbp')) }}
            as cumulative_revenue_share_pct

    from ranked

)

select * from final
