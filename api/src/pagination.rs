//! The pagination of every list route: one pair of query parameters (`page` from 1, `size` up to
//! [`MAX_PAGE_SIZE`]) checked the same way with the same wording, and one answer shape
//! `{items, total, page, size}`.

use crate::error::{ApiError, ApiResult};
use campaign_store::PageRequest;
use campaign_store::contacts::Window;
use serde::{Deserialize, Serialize};

/// Page size when the client gives none, and the largest it may ask for.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;
/// Highest page number: what the OpenAPI document can state (a 32-bit signed integer).
const MAX_PAGE: u32 = i32::MAX as u32;

/// The `page` and `size` query parameters, as given.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, maximum = 2147483647)]
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    size: Option<u32>,
}

impl PageQuery {
    /// The page asked for, or a 422 saying what is wrong with it.
    pub fn request(self) -> ApiResult<PageRequest> {
        let page = self.page.unwrap_or(1);
        let size = self.size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 || page > MAX_PAGE {
            return Err(ApiError::Validation(format!(
                "page must be between 1 and {MAX_PAGE}"
            )));
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(ApiError::Validation(format!(
                "size must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        Ok(PageRequest { page, size })
    }
}

/// The rows a page covers, for the store's reads that take an offset and a limit.
pub fn window(request: PageRequest) -> Window {
    Window {
        offset: request.offset(),
        limit: request.limit(),
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub size: u32,
}

impl<T> Page<T> {
    /// The page `request` asked for, holding `items` of `total`.
    pub fn new<R: Into<T>>(request: PageRequest, items: Vec<R>, total: i64) -> Page<T> {
        Page {
            items: items.into_iter().map(Into::into).collect(),
            total,
            page: request.page,
            size: request.size,
        }
    }
}

impl<T, R: Into<T>> From<campaign_store::Page<R>> for Page<T> {
    fn from(page: campaign_store::Page<R>) -> Page<T> {
        Page::new(
            PageRequest {
                page: page.page,
                size: page.size,
            },
            page.items,
            page.total,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(page: Option<u32>, size: Option<u32>) -> PageQuery {
        PageQuery { page, size }
    }

    #[test]
    fn pages_start_at_one_and_are_bounded() {
        assert_eq!(
            PageQuery::default().request().unwrap(),
            PageRequest {
                page: 1,
                size: DEFAULT_PAGE_SIZE
            }
        );
        assert!(query(Some(0), None).request().is_err());
        assert!(query(None, Some(0)).request().is_err());
        assert!(query(None, Some(MAX_PAGE_SIZE + 1)).request().is_err());
        assert!(query(None, Some(MAX_PAGE_SIZE)).request().is_ok());
        let third = query(Some(3), Some(10)).request().unwrap();
        assert_eq!((window(third).offset, window(third).limit), (20, 10));
    }

    #[test]
    fn a_store_page_keeps_its_numbers() {
        let page: Page<i64> = campaign_store::Page {
            items: vec![7_i32, 8],
            total: 12,
            page: 2,
            size: 2,
        }
        .into();
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            serde_json::json!({ "items": [7, 8], "total": 12, "page": 2, "size": 2 })
        );
    }
}
