with

age_bins as (
    {{ import_columns(ref('ref_age_bins'), ['age_bin', 'min_age', 'max_age', 'display_order']) }}
),

customers as (
    {{ import_columns(ref('dim_customers'), [
        'age_bin', 'lifetime_orders', 'lifetime_revenue_gbp',
    ], where='is_crm_customer') }}
),

bins as (

    select
        age_bin,
        min_age,
        max_age,
        display_order

    from age_bins
    union all
    select
        'Unknown' as age_bin,
        null as min_age,
        null as max_age,
        99 as display_order

),

customers_per_bin as (

    select
        age_bin,
        count(*) as customers,
        sum(lifetime_orders) as orders,
        sum(lifetime_revenue_gbp) as revenue_gbp

    from customers
    group by age_bin

),

binned as (
    {{ zero_filled(
        'bins',
        ['age_bin', 'min_age', 'max_age', 'display_order'],
        [['customers_per_bin', ['customers', 'orders', 'revenue_gbp']]],
        key='age_bin',
    ) }}
),

with_totals as (

    select
        *,
        sum(customers) over () as total_customers

    from binned

),

final as (

    select
        age_bin,
        cast(min_age as {{ dbt.type_bigint() }}) as min_age,
        cast(max_age as {{ dbt.type_bigint() }}) as max_age,
        cast(display_order as {{ dbt.type_bigint() }}) as display_order,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        {{ to_measure('100.0 * ' ~ safe_divide('customers', 'total_customers')) }}
            as customer_share_pct,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        {{ to_money('revenue_gbp') }} as revenue_gbp,
        {{ to_money(safe_divide('revenue_gbp', 'customers')) }} as arpc_gbp

    from with_totals

)

select * from final
