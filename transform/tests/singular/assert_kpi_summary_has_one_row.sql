{{ config(tags=['critical']) }}

-- mtr_kpi_summary is read as a single row by the CLI and Power BI cards.
with

kpi_rows as (

    select count(*) as row_count
    from {{ ref('mtr_kpi_summary') }}

)

select *
from kpi_rows
where row_count <> 1
