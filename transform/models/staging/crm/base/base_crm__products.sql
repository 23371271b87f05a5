{#- Every raw product row, parsed and checked; see _crm__base.yml. -#}
with

source as (

    select * from {{ source('crm', 'crm_products') }}

),

renamed as (

    select
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        trim(product_name) as product_name,
        trim(brand) as brand,
        trim(category) as category,
        {{ to_money('list_price') }} as list_price_gbp,
        {{ to_utc_timestamp('created_at', var('crm_timezone')) }} as created_at,
        {{ to_utc_timestamp('updated_at', var('crm_timezone')) }} as updated_at,
        _ab_extracted_at as extracted_at,
        _ab_synced_at as synced_at,
        _source_file_id as source_file_id,
        _dlt_load_id as load_id,
        {{ row_to_json('source') }} as raw_row

    from source

),

checked as (

    select
        *,
        {{ quarantine_reason([
            ['null_key', 'product_id is null'],
            ['missing_value', 'product_name is null'],
            ['negative_amount', 'list_price_gbp < 0'],
        ]) }} as row_issue,
        {{ integer_key(['product_name', 'brand', 'category', 'list_price_gbp', 'created_at'])
        }} as content_key,
        {{ integer_key(['updated_at', 'extracted_at', 'load_id']) }} as version_key

    from renamed

),

{{ version_ctes(
    'product_id',
    'updated_at desc nulls last, extracted_at desc nulls last, load_id desc'
) }},

final as (

    select
        product_id,
        product_name,
        brand,
        category,
        list_price_gbp,
        created_at,
        updated_at,
        extracted_at,
        synced_at,
        source_file_id,
        load_id,
        raw_row,
        quarantine_reason,
        version_rank,
        coalesce(version_rank = latest_valid_rank, false) as is_latest_valid,
        quarantine_reason is not null
            and (latest_valid_rank is null or version_rank < latest_valid_rank) as is_quarantined

    from versions

)

select * from final
