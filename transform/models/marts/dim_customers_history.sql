{{
    config(
        cluster_by=(['customer_id'] if target.type == 'bigquery' else none),
    )
}}

with

snapshot as (
    {{ import_columns(ref('customers_snapshot'), [
        'customer_id', 'full_name', 'email', 'age', 'gender', 'location', 'income_bracket',
        'signup_date', 'dbt_valid_from', 'dbt_valid_to',
    ]) }}
),

final as (

    select
        {{ integer_key(['customer_id', 'dbt_valid_from']) }} as customer_version_key,
        {{ member_key('customer_id') }} as customer_key,
        customer_id,
        full_name,
        email,
        age,
        gender,
        location,
        income_bracket,
        signup_date,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to is null as is_current

    from snapshot

)

select * from final
