{#
    True when the pipeline has a source named `marketing` (it passes var marketing_timezone for
    it, as for every configured source): the marketing models build only then, so a project
    without a marketing API still builds, and dim_customers carries null attribution.
#}
{% macro marketing_enabled() -%}
    {{ return(var('marketing_timezone', none) is not none) }}
{%- endmacro %}
