{{ config(enabled=marketing_enabled()) }}

{#- Spend and what it brought, per calendar month and acquisition channel: customers acquired
    (first-touch attribution, by sign-up month), the revenue those customers' orders made in
    the month, cost per acquired customer (CAC) and return on ad spend (ROAS). -#}
with

spend as (
    {{ import_columns(ref('fct_marketing_spend'), [
        'channel', 'spend_date', 'impressions', 'clicks', 'spend_gbp',
    ]) }}
),

customers as (
    {{ import_columns(ref('dim_customers'), [
        'customer_id', 'acquisition_channel', 'signup_date',
    ], where='is_marketing_attributed') }}
),

orders as (
    {{ import_columns(ref('fct_orders'), [
        'customer_id', 'ordered_date', 'order_revenue_gbp',
    ], where='is_revenue_order') }}
),

monthly_spend as (

    select
        {{ month_start('spend_date') }} as month_start_date,
        channel,
        sum(spend_gbp) as spend_gbp,
        sum(impressions) as impressions,
        sum(clicks) as clicks

    from spend
    group by 1, 2

),

monthly_acquisitions as (

    select
        {{ month_start('signup_date') }} as month_start_date,
        acquisition_channel as channel,
        count(*) as acquired_customers

    from customers
    group by 1, 2

),

monthly_revenue as (

    select
        {{ month_start('orders.ordered_date') }} as month_start_date,
        customers.acquisition_channel as channel,
        sum(orders.order_revenue_gbp) as attributed_revenue_gbp

    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    group by 1, 2

),

months_and_channels as (

    select month_start_date, channel from monthly_spend
    union distinct
    select month_start_date, channel from monthly_acquisitions
    union distinct
    select month_start_date, channel from monthly_revenue

),

combined as (
    {{ zero_filled(
        'months_and_channels',
        ['month_start_date', 'channel'],
        [
            ['monthly_spend', ['spend_gbp', 'impressions', 'clicks']],
            ['monthly_acquisitions', ['acquired_customers']],
            ['monthly_revenue', ['attributed_revenue_gbp']],
        ],
        key=['month_start_date', 'channel'],
    ) }}
),

final as (

    select
        month_start_date,
        {{ calendar_month_columns('month_start_date') }},
        cast(channel as {{ dbt.type_string() }}) as channel,
        {{ to_money('spend_gbp') }} as spend_gbp,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(acquired_customers as {{ dbt.type_bigint() }}) as acquired_customers,
        {{ to_money('attributed_revenue_gbp') }} as attributed_revenue_gbp,
        {{ to_money(safe_divide('spend_gbp', 'acquired_customers')) }} as cac_gbp,
        {{ to_measure(safe_divide('attributed_revenue_gbp', 'spend_gbp')) }} as roas

    from combined

)

select * from final
