{{
    config(
        cluster_by=(['customer_id'] if target.type == 'bigquery' else none),
    )
}}

with

customers as (
    {{ import_columns(ref('stg_crm__customers'), [
        'customer_id', 'full_name', 'email', 'age', 'gender', 'location', 'income_bracket',
        'signup_date', 'created_at', 'updated_at',
    ], where='not is_deleted') }}
),

age_bins as (
    {{ import_columns(ref('ref_age_bins'), ['age_bin', 'min_age', 'max_age']) }}
),

{#- First-touch marketing attribution (nulls when no marketing source is configured). #}
acquisitions as (

    {% if marketing_enabled() -%}
    select
        customer_id,
        acquisition_campaign_id,
        acquisition_channel,
        acquired_at

    from {{ ref('int_customer_acquisitions_attributed') }}
    {%- else -%}
    select
        cast(null as {{ dbt.type_bigint() }}) as customer_id,
        cast(null as {{ dbt.type_bigint() }}) as acquisition_campaign_id,
        cast(null as {{ dbt.type_string() }}) as acquisition_channel,
        cast(null as {{ type_timestamp_utc() }}) as acquired_at

    where 1 = 0
    {%- endif %}

),

orders as (
    {{ import_columns(ref('fct_orders'), [
        'customer_id', 'ordered_date', 'is_revenue_order', 'units', 'order_revenue_gbp',
    ]) }}
),

order_summary as (

    select
        customer_id,
        min(case when is_revenue_order then ordered_date end) as first_order_date,
        max(case when is_revenue_order then ordered_date end) as last_order_date,
        sum(case when is_revenue_order then 1 else 0 end) as lifetime_orders,
        sum(case when is_revenue_order then units else 0 end) as lifetime_units,
        sum(order_revenue_gbp) as lifetime_revenue_gbp

    from orders
    where customer_id is not null
    group by customer_id

),

crm_customers as (

    select
        {{ member_key('customers.customer_id') }} as customer_key,
        customers.customer_id,
        customers.full_name,
        customers.email,
        customers.age,
        coalesce(age_bins.age_bin, 'Unknown') as age_bin,
        customers.gender,
        customers.location,
        customers.income_bracket,
        customers.signup_date,
        true as is_crm_customer,
        customers.created_at,
        customers.updated_at

    from customers
    left join age_bins
        on customers.age between age_bins.min_age and age_bins.max_age

),

{#- Customers that orders reference but the CRM does not (yet) hold: late-arriving members
    keep the key their CRM row will get, so incremental facts never need rewriting. #}
members as (
    {{ dimension_members(
        known='crm_customers',
        referenced='order_summary',
        key='customer_id',
        surrogate_key='customer_key',
        columns=[
            'full_name', 'email', 'age', 'age_bin', 'gender', 'location', 'income_bracket',
            'signup_date', 'is_crm_customer', 'created_at', 'updated_at',
        ],
        inferred={
            'full_name': "'Customer not in CRM'", 'is_crm_customer': 'false',
            'age_bin': "'Unknown'", 'gender': "'Unknown'", 'location': "'Unknown'",
            'income_bracket': "'Unknown'",
        },
        unknown={'full_name': "'Unknown customer'"},
    ) }}
),

final as (

    select
        cast(members.customer_key as {{ dbt.type_bigint() }}) as customer_key,
        cast(members.customer_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(members.full_name as {{ dbt.type_string() }}) as full_name,
        cast(members.email as {{ dbt.type_string() }}) as email,
        cast(members.age as {{ dbt.type_bigint() }}) as age,
        cast(members.age_bin as {{ dbt.type_string() }}) as age_bin,
        cast(members.gender as {{ dbt.type_string() }}) as gender,
        cast(members.location as {{ dbt.type_string() }}) as location,
        cast(members.income_bracket as {{ dbt.type_string() }}) as income_bracket,
        members.signup_date,
        order_summary.first_order_date,
        order_summary.last_order_date,
        cast(coalesce(order_summary.lifetime_orders, 0) as {{ dbt.type_bigint() }})
            as lifetime_orders,
        cast(coalesce(order_summary.lifetime_units, 0) as {{ dbt.type_bigint() }})
            as lifetime_units,
        {{ to_money('coalesce(order_summary.lifetime_revenue_gbp, 0)') }}
            as lifetime_revenue_gbp,
        members.is_crm_customer,
        case
            when acquisitions.acquisition_campaign_id is not null
                then {{ member_key('acquisitions.acquisition_campaign_id') }}
        end as acquisition_campaign_key,
        acquisitions.acquisition_campaign_id,
        cast(acquisitions.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        acquisitions.acquired_at,
        acquisitions.customer_id is not null as is_marketing_attributed,
        members.created_at,
        members.updated_at

    from members
    left join order_summary
        on members.customer_id = order_summary.customer_id
    left join acquisitions
        on members.is_crm_customer
        and members.customer_id = acquisitions.customer_id

)

select * from final
