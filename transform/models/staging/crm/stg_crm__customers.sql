with

source as (

    select * from {{ source('crm', 'crm_customers') }}

),

renamed as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        trim(full_name) as full_name,
        lower(trim(email)) as email,
        cast(age as {{ dbt.type_bigint() }}) as age,
        trim(gender) as gender,
        trim(location) as location,
        trim(income_bracket) as income_bracket,
        cast(signup_date as date) as signup_date,
        {{ to_utc_timestamp('created_at', var('crm_timezone')) }} as created_at,
        {{ to_utc_timestamp('updated_at', var('crm_timezone')) }} as updated_at,
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        _dlt_load_id as load_id

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by updated_at desc nulls last, extracted_at desc nulls last, load_id desc
        ) as version_rank

    from renamed

),

final as (

    select
        customer_id,
        full_name,
        email,
        age,
        gender,
        location,
        income_bracket,
        signup_date,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from ranked
    where version_rank = 1

)

select * from final
