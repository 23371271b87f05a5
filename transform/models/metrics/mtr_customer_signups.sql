with

customers as (

    select signup_date

    from {{ ref('dim_customers') }}
    where is_crm_customer and signup_date is not null

),

orders as (
    {{ import_columns(ref('fct_orders'), [
        'customer_key', 'ordered_date',
    ], where='is_revenue_order') }}
),

signups_per_month as (

    select
        {{ month_start('signup_date') }} as month_start_date,
        count(*) as signups

    from customers
    group by month_start_date

),

customer_months as (

    select distinct
        customer_key,
        {{ month_start('ordered_date') }} as month_start_date

    from orders

),

first_order_months as (

    select
        customer_key,
        min(month_start_date) as first_order_month

    from customer_months
    group by customer_key

),

buyers_per_month as (

    select
        customer_months.month_start_date,
        count(*) as active_customers,
        sum(case when customer_months.month_start_date = first_order_months.first_order_month then 1 else 0 end)
            as new_customers,
        sum(case when customer_months.month_start_date > first_order_months.first_order_month then 1 else 0 end)
            as returning_customers

    from customer_months
    inner join first_order_months
        on customer_months.customer_key = first_order_months.customer_key
    group by customer_months.month_start_date

),

months as (

    select month_start_date from signups_per_month
    union distinct
    select month_start_date from buyers_per_month

),

monthly as (
    {{ zero_filled(
        'months',
        ['month_start_date'],
        [
            ['signups_per_month', ['signups']],
            ['buyers_per_month', ['new_customers', 'returning_customers', 'active_customers']],
        ],
        key='month_start_date',
    ) }}
),

final as (

    select
        month_start_date,
        {{ calendar_month_columns('month_start_date') }},
        cast(signups as {{ dbt.type_bigint() }}) as signups,
        cast(sum(signups) over (
            order by month_start_date rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as cumulative_signups,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(returning_customers as {{ dbt.type_bigint() }}) as returning_customers,
        cast(active_customers as {{ dbt.type_bigint() }}) as active_customers

    from monthly

)

select * from final
