{{ config(enabled=marketing_enabled()) }}

with

source as (

    select * from {{ source('marketing', 'marketing_leads') }}

),

renamed as (

    select
        cast(lead_id as {{ dbt.type_bigint() }}) as lead_id,
        cast(campaign_id as {{ dbt.type_bigint() }}) as campaign_id,
        trim(channel) as channel,
        lower(trim(email)) as email,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        lower(trim(status)) as lead_status,
        cast(created_at as {{ type_timestamp_utc() }}) as created_at,
        cast(converted_at as {{ type_timestamp_utc() }}) as converted_at,
        cast(updated_at as {{ type_timestamp_utc() }}) as updated_at,
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
            partition by lead_id
            order by updated_at desc nulls last, extracted_at desc nulls last, load_id desc
        ) as version_rank

    from renamed

),

final as (

    select
        lead_id,
        campaign_id,
        channel,
        email,
        customer_id,
        lead_status,
        created_at,
        converted_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id

    from ranked
    where version_rank = 1

)

select * from final
